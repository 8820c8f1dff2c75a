print("dyson")
