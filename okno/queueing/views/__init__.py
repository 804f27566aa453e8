"""Pages of the live queue, one module per screen: kiosk, ticket, board, desk, monitor."""
