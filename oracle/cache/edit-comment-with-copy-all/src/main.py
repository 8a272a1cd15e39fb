def main():
    print("v1")
