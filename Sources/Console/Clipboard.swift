import Foundation

/// The OSC 52 clipboard sequence, write only: the console never asks the terminal for the
/// clipboard's contents.
enum Clipboard {
    /// `ESC ] 52 ; c ; <base64> BEL`, where `c` selects the clipboard (xterm's control
    /// sequences; tmux passes it on when its `set-clipboard` option is `on`).
    static func osc52Sequence(for text: String) -> String {
        "\u{1b}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}"
    }
}
