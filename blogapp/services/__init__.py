"""Services: the business operations views call with plain arguments."""
