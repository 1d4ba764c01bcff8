from radar.cli import main

# Guarded: a parsing worker (spawned) imports the main module again and must not run radar.
if __name__ == "__main__":
    main()
