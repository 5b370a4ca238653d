"""normalization functions (exports listed here are gathered into fastgrad.functions)."""
