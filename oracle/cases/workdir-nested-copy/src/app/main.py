def main():
    print("hello from app")


if __name__ == "__main__":
    main()
