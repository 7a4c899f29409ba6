print("dkimctl")
