from fitcoach_web.main import run

run()
