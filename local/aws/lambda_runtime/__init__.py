"""Local Lambda: Invoke runs a Python function's deployment package for real, in a subprocess.

``service.LambdaService`` serves the Invoke API (installed by ``adapter``),
``invoker`` runs one invocation with AWS's environment, timeout and log lines, and
``bootstrap`` is the runtime inside the function's process.
"""
