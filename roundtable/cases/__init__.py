"""The case desk: residents' complaint cases (12345 工单), their status machine and topics."""
