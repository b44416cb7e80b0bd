print("fps-checkout")
