//! The `smpp` command-line tool.

fn main() {
    eprintln!("usage: smpp <command>");
    std::process::exit(2);
}
