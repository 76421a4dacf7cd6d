"""Agents (RL code only): the Agent protocol, make_agent, the masked DQN and policy rollouts."""
