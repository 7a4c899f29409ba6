import DKIMCtlCommands

// A synchronous main on purpose: see `DKIMCtl.runFromSynchronousMain`.
DKIMCtl.runFromSynchronousMain()
