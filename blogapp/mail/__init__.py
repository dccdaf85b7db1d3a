"""The site's mail: a durable outbox (one row per message) and the senders that drain it.

Queue with :func:`blogapp.mail.outbox.queue_mail` in the transaction that owes the mail;
the commit wakes a sender (the job worker of SPAM_CHECK_MODE), and `flask --app wsgi mail
send` drains whatever is due from cron.
"""
