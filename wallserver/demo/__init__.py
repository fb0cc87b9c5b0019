"""``wallserver demo``: a demo event, accounts, tokens and a simulated crowd."""
