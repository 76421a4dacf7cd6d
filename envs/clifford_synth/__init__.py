"""Clifford synthesis: reduce an n-qubit Clifford tableau to single-qubit Cliffords with few CX."""
