"""One module per mailbox family; each gives a request handler class and how its letters are numbered."""
