"""Delivery of the outbox's messages: text messages to people and alerts to units' group robots."""
