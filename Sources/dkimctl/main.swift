import DKIMCtlCommands

await DKIMCtl.runMain()
