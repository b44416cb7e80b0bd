import Foundation

/// Built-in copies of the shipped `Themes/*.theme` files, so a missing or broken theme file
/// never stops a sale. A unit test keeps them equal to the files.
enum BuiltInThemes {
    static let defaultText = """
# fps-checkout colour theme for dark terminal backgrounds.
# Each role line is: role = 256-colour style | 16-colour style | 8-colour style
# A style is foreground,background[,attributes]. A missing column is derived from the one
# before it: bright colours become their dark twin plus bold, and colours 16-255 become
# the terminal's own.
# Colours: default (the terminal's own), black, red, green, yellow, blue, magenta, cyan,
# white, their bright- forms (brightred...), or a number 0-255.
# Attributes: bold, dim, reverse, underline, joined with "+".
# Terminals without colours, and NO_COLOR, use the monochrome theme instead.
format = 2
name = default

text          = default,default
dim           = 245,default          | brightblack,default      | white,default,dim
focus         = black,81,bold        | black,cyan,bold          | black,cyan,bold
border        = 67,default           | blue,default             | blue,default
title         = 117,default,bold     | brightcyan,default,bold  | cyan,default,bold
badge-sandbox = black,220,bold       | black,yellow,bold        | black,yellow,bold
badge-live    = 231,160,bold         | brightwhite,red,bold     | white,red,bold
success       = 114,default,bold     | brightgreen,default,bold | green,default,bold
failure       = 203,default,bold     | brightred,default,bold   | red,default,bold
pending       = 221,default          | brightyellow,default     | yellow,default
disabled      = 242,default          | brightblack,default      | white,default,dim
notice        = 231,default,bold     | brightwhite,default,bold | white,default,bold
hint          = black,250            | black,white              | black,white
hint-key      = black,81,bold        | black,cyan,bold          | black,cyan,bold
input         = 231,24               | brightwhite,blue         | white,blue
qr            = black,231            | black,brightwhite        | black,white
locked        = 231,88,bold          | brightwhite,red,bold     | white,red,bold
"""

    static let lightText = """
# fps-checkout colour theme for light terminal backgrounds: dark text and saturated
# status colours that stay readable on white.
# Each role line is: role = 256-colour style | 16-colour style | 8-colour style
format = 2
name = light

text          = default,default
dim           = 242,default          | brightblack,default      | black,default,dim
focus         = 231,25,bold          | brightwhite,blue,bold    | white,blue,bold
border        = 110,default          | blue,default             | blue,default
title         = 25,default,bold      | blue,default,bold        | blue,default,bold
badge-sandbox = black,214,bold       | black,yellow,bold        | black,yellow,bold
badge-live    = 231,160,bold         | brightwhite,red,bold     | white,red,bold
success       = 28,default,bold      | green,default,bold       | green,default,bold
failure       = 160,default,bold     | red,default,bold         | red,default,bold
pending       = 130,default,bold     | magenta,default,bold     | magenta,default,bold
disabled      = 248,default          | brightblack,default      | black,default,dim
notice        = 16,default,bold      | black,default,bold       | black,default,bold
hint          = 231,240              | brightwhite,brightblack  | white,black
hint-key      = 231,25,bold          | brightwhite,blue,bold    | white,blue,bold
input         = black,189            | black,brightcyan         | black,cyan
qr            = black,231            | black,brightwhite        | black,white
locked        = 231,88,bold          | brightwhite,red,bold     | white,red,bold
"""

    static let highContrastText = """
# fps-checkout high-contrast theme: white on black, yellow for focus, no dim text, and
# failures underlined as well as red, for low vision and glare at the desk.
# Each role line is: role = 256-colour style | 16-colour style | 8-colour style
format = 2
name = high-contrast

text          = 231,16               | brightwhite,black              | white,black
dim           = 231,16               | brightwhite,black              | white,black
focus         = 16,226,bold          | black,brightyellow,bold        | black,yellow,bold
border        = 231,16               | brightwhite,black              | white,black
title         = 231,16,bold+underline | brightwhite,black,bold+underline | white,black,bold+underline
badge-sandbox = 16,226,bold          | black,brightyellow,bold        | black,yellow,bold
badge-live    = 231,196,bold         | brightwhite,red,bold           | white,red,bold
success       = 46,16,bold           | brightgreen,black,bold         | green,black,bold
failure       = 196,16,bold+underline | brightred,black,bold+underline | red,black,bold+underline
pending       = 226,16,bold          | brightyellow,black,bold        | yellow,black,bold
disabled      = 250,16               | white,black                    | white,black
notice        = 231,16,bold          | brightwhite,black,bold         | white,black,bold
hint          = 16,231,bold          | black,brightwhite,bold         | black,white,bold
hint-key      = 16,226,bold          | black,brightyellow,bold        | black,yellow,bold
input         = 16,231               | black,brightwhite              | black,white
qr            = 16,231               | black,brightwhite              | black,white
locked        = 16,226,bold          | black,brightyellow,bold        | black,yellow,bold
"""

    static let monochromeText = """
# fps-checkout theme without colours: attributes only, for NO_COLOR and terminals
# without colour support. Status words and symbols carry the meaning, never colour alone.
# The QR code is drawn in reverse video, which shows dark modules on a light field on the
# usual dark terminal background; on a light background it comes out inverted, which most
# phone scanners still read.
format = 2
name = monochrome

text          = default,default
dim           = default,default,dim
focus         = default,default,reverse+bold
border        = default,default
title         = default,default,bold
badge-sandbox = default,default,reverse+bold
badge-live    = default,default,reverse+bold+underline
success       = default,default,bold
failure       = default,default,bold+underline
pending       = default,default
disabled      = default,default,dim
notice        = default,default,bold
hint          = default,default,reverse
hint-key      = default,default,reverse+bold
input         = default,default,underline
qr            = default,default,reverse
locked        = default,default,reverse+bold
"""

    static let `default`: Theme = ThemeParser.parse(defaultText, path: "built-in default", fallback: nil).theme
    static let monochrome: Theme = ThemeParser.parse(monochromeText, path: "built-in monochrome", fallback: nil).theme
    static let light: Theme = ThemeParser.parse(lightText, path: "built-in light", fallback: nil).theme
    static let highContrast: Theme = ThemeParser.parse(highContrastText, path: "built-in high-contrast", fallback: nil).theme

    /// Returns the built-in theme called `name`, or nil when none is built in.
    static func named(_ name: String) -> Theme? {
        switch name {
        case "default": return `default`
        case "monochrome": return monochrome
        case "light": return light
        case "high-contrast": return highContrast
        default: return nil
        }
    }
}
