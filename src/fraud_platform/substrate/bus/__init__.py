"""The bus port (Kafka API) and its confluent-kafka adapter."""

from fraud_platform.substrate.bus.port import (
    BusAdmin,
    BusConsumer,
    BusMessage,
    BusProducer,
    Delivery,
    KafkaSettings,
)

__all__ = ["BusAdmin", "BusConsumer", "BusMessage", "BusProducer", "Delivery", "KafkaSettings"]
