"""Curricula: the Curriculum protocol, the SB3 callback that applies it, and schedules."""
