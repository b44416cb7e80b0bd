// placeholder until the Ledger module lands
