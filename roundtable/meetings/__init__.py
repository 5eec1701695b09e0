"""Meetings (圆桌会议): scheduling on cases, invitations, 吹哨报到, joining by phone."""
