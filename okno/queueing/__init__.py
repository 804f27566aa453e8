"""The live queue: tickets, calls, service points at work, kiosk, console, board and monitor."""
