from wallserver.cli import main

main()
