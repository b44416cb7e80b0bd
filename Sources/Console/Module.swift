// placeholder until the Console module lands
