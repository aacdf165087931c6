"""gunicorn's settings for every web process: the Procfile and the README's deployment command
pass `--config gunicorn.conf.py`.

The access log names the method, the path (ids only) and the status. It leaves out the query
string and the referrer: a search (`?q=`) carries patients' names and health words, and the
referrer of the next request repeats it.
"""

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
# gunicorn's control socket defaults to one path in the home directory, which a second master on
# the same host (a second web process, `make run` beside the tests) would fight over; the
# portal does not use it.
control_socket_disable = True
