/// Settings for the console's look and extras. The executable fills them from options and
/// the environment.
public struct ConsoleConfiguration: Sendable {
    /// A theme name looked up as `<name>.theme` in the theme directories, or a path to a
    /// `.theme` file (anything containing `/` or ending in `.theme`). nil means "default".
    public var themeName: String?
    /// A theme file that wins over `themeName`.
    public var themePath: String?
    /// Directories searched for `<name>.theme` before `Themes/` next to the executable and in
    /// the current directory.
    public var themesDirectories: [String]
    /// Forces the monochrome theme. The console also honours a non-empty NO_COLOR itself.
    public var noColor: Bool
    /// Approves a CBUI URL as the sandbox customer and returns the return URI; nil outside
    /// sandbox mode, which disables the "play customer" key.
    public var playCustomer: (@Sendable (String) async throws -> String)?
    /// The file that receives standard error while the screen is up, or nil to discard it.
    /// Anything written to the terminal behind ncurses would garble the screen.
    public var stderrPath: String?
    /// Minutes without a key press before the screen locks; 0 turns the idle lock off.
    /// PCI DSS 8.2.8 asks for 15 minutes at most.
    public var idleLockMinutes: Int
    /// The desk name shown in the header beside the clerk, or nil to leave it out.
    public var desk: String?

    public init(themeName: String? = nil, themePath: String? = nil, themesDirectories: [String] = [], noColor: Bool = false,
                playCustomer: (@Sendable (String) async throws -> String)? = nil, stderrPath: String? = nil,
                idleLockMinutes: Int = 15, desk: String? = nil) {
        self.themeName = themeName
        self.themePath = themePath
        self.themesDirectories = themesDirectories
        self.noColor = noColor
        self.playCustomer = playCustomer
        self.stderrPath = stderrPath
        self.idleLockMinutes = max(0, idleLockMinutes)
        self.desk = desk
    }
}
