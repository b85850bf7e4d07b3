def shout(text):
    return str(text).upper()
