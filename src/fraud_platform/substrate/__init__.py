"""Substrate ports and adapters: the only package that talks to boto3, confluent-kafka or SQL drivers."""
