"""A request's life after it is filed: the status rules and the commands that move
it (/ack, /pledge, /transit, /delivered, /decline, /note, /received) and /open."""
