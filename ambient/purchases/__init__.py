"""Purchases by voice: a shop port (`shop.py`), the orders kept on the device (`orders.py`), and
the stage that takes an order from "order more coffee" to a placed order only for a live, known,
confirming person (`purchase_stage.py`)."""
