"""The live meeting: agenda, speakers queue, positions, motions and votes over Socket.IO.

The contract with clients is docs/live-protocol.md (protocol "1").
"""
