"""Agents: the Agent protocol, make_agent, masked DQN, search helpers and classical baselines."""
