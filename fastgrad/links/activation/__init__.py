"""activation links (exports listed here are gathered into fastgrad.links)."""
