// placeholder until the Sandbox module lands
