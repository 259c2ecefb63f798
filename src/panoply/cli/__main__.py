from panoply.cli import main

main(prog_name="panoply")
