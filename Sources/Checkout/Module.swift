// placeholder until the Checkout module lands
