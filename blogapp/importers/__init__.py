"""Moving in and out: WordPress (WXR) and Disqus imports, and a WXR export.

Readers (``wxr``, ``disqus``) stream a file into plain values (``model``); ``store`` is
the one place that writes them; ``redirects`` answers the old WordPress addresses;
``wxr_export`` writes the blog back out; ``cli`` is the door.
"""
