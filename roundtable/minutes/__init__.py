"""会议纪要: minutes drafted from the meeting's record, reviewed by attendees, published with the resolution."""
