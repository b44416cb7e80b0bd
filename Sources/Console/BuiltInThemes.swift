import Foundation

/// Built-in copies of `Themes/default.theme` and `Themes/monochrome.theme`, so a missing or
/// broken theme file never stops a sale. A unit test keeps them equal to the files.
enum BuiltInThemes {
    static let defaultText = """
# fps-checkout colour theme.
# Each role line is: role = foreground,background[,attributes] [| 8-colour fallback]
# Colours: default (the terminal's own), black, red, green, yellow, blue, magenta, cyan,
# white, their bright- forms (brightred...), or a number 0-255.
# Attributes: bold, dim, reverse, underline, joined with "+".
# The part after "|" is used on terminals with fewer than 16 colours.
format = 1
name = default

text = default,default
dim = brightblack,default | white,default,dim
focus = black,cyan,bold
border = blue,default
title = brightcyan,default,bold | cyan,default,bold
badge-sandbox = black,yellow,bold
badge-live = brightwhite,red,bold | white,red,bold
success = brightgreen,default,bold | green,default,bold
failure = brightred,default,bold | red,default,bold
pending = brightyellow,default | yellow,default
disabled = brightblack,default | white,default,dim
notice = brightwhite,default,bold | white,default,bold
hint = black,white | black,white
hint-key = black,cyan,bold
input = brightwhite,blue | white,blue
"""

    static let monochromeText = """
# fps-checkout theme without colours: attributes only, for NO_COLOR and terminals
# without colour support. Status words and symbols carry the meaning, never colour alone.
format = 1
name = monochrome

text = default,default
dim = default,default,dim
focus = default,default,reverse+bold
border = default,default
title = default,default,bold
badge-sandbox = default,default,reverse+bold
badge-live = default,default,reverse+bold+underline
success = default,default,bold
failure = default,default,bold+underline
pending = default,default
disabled = default,default,dim
notice = default,default,bold
hint = default,default,reverse
hint-key = default,default,reverse+bold
input = default,default,underline
"""

    static let `default`: Theme = ThemeParser.parse(defaultText, path: "built-in default", fallback: nil).theme
    static let monochrome: Theme = ThemeParser.parse(monochromeText, path: "built-in monochrome", fallback: nil).theme
}
