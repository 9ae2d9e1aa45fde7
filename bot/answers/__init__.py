"""Answers: asking, votes, the rate limit, each server's knowledge and the wording of answers."""
