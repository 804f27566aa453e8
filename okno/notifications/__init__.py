"""Notifications: SMS and e-mail to citizens, sent in the background and kept as an audit trail."""
