// The configuration of API keys and roles: [[application.member]], state-dir and
// --state-dir, the default state directory, and errors that point at file:line:col and key.
#include "config/commandlineoptions.h"
#include "config/configloader.h"

#include <QCommandLineParser>
#include <QDir>
#include <QTest>

using namespace drover::config;

class TestMemberConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void members();
    void membersCompare();
    void stateDir();
    void stateDirOption();
    void defaultStateDir_data();
    void defaultStateDir();
    void errors_data();
    void errors();

private:
    static std::optional<Config> parse(const char *toml, QString *error)
    {
        return ConfigLoader::parse(QByteArray(toml), QStringLiteral("t.toml"), error);
    }
};

void TestMemberConfig::members()
{
    QString error;
    const std::optional<Config> config = parse(R"(
[[application]]
name = "a"
anonymous = ["read"]
  [[application.member]]
  user = "alice"
  roles = ["reader"]
  [[application.member]]
  user = "bob@example.com"
  roles = ["publisher", "reader", "publisher"]
  [[application.member]]
  user = "carol"
  roles = ["admin"]
[[application]]
name = "b"
  [[application.member]]
  user = "alice"
  roles = ["publisher"]
)",
                                               &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->applications.size(), 2);
    const QList<MemberConfig> &a = config->applications.at(0).members;
    QCOMPARE(a.size(), 3);
    QCOMPARE(a.at(0), (MemberConfig{QStringLiteral("alice"), true, false, false}));
    QCOMPARE(a.at(1), (MemberConfig{QStringLiteral("bob@example.com"), true, true, false}));
    QCOMPARE(a.at(2), (MemberConfig{QStringLiteral("carol"), false, false, true}));
    QVERIFY(config->applications.at(0).anonymousRead);
    // The same user may be a member of several applications, with other roles.
    QCOMPARE(config->applications.at(1).members,
             QList<MemberConfig>{(MemberConfig{QStringLiteral("alice"), false, true, false})});
    // No members by default.
    QVERIFY(parse("[[application]]\nname = \"c\"\n", &error)->applications.at(0).members.isEmpty());
}

void TestMemberConfig::membersCompare()
{
    // A reload compares applications: members are part of them.
    ApplicationConfig one;
    one.name = QStringLiteral("a");
    ApplicationConfig other = one;
    QCOMPARE(one, other);
    other.members.append(MemberConfig{QStringLiteral("alice"), true, false, false});
    QVERIFY(!(one == other));
}

void TestMemberConfig::stateDir()
{
    QString error;
    QVERIFY(parse("", &error)->stateDir.isEmpty());
    const std::optional<Config> config = parse("state-dir = \"/var/lib/drover/\"\n", &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->stateDir, QStringLiteral("/var/lib/drover"));
    QCOMPARE(stateDirOf(*config), QStringLiteral("/var/lib/drover"));
}

void TestMemberConfig::stateDirOption()
{
    const auto load = [](const QStringList &arguments, QString *error) -> std::optional<Config> {
        CommandLineOptions options;
        QCommandLineParser parser;
        options.addTo(parser);
        if (!parser.parse(QStringList{QStringLiteral("droverd")} + arguments))
            return std::nullopt;
        return options.load(parser, error);
    };
    QString error;
    std::optional<Config> config =
        load({QStringLiteral("--state-dir"), QStringLiteral("/srv/drover")}, &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->stateDir, QStringLiteral("/srv/drover"));
    // Relative to where droverd starts.
    config = load({QStringLiteral("--state-dir"), QStringLiteral("state/./x")}, &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->stateDir, QDir::currentPath() + QStringLiteral("/state/x"));
    QVERIFY(!load({QStringLiteral("--state-dir"), QString()}, &error));
    QVERIFY2(error.startsWith(QLatin1String("--state-dir")), qPrintable(error));
}

void TestMemberConfig::defaultStateDir_data()
{
    QTest::addColumn<QByteArray>("stateDirectory");
    QTest::addColumn<QByteArray>("xdgStateHome");
    QTest::addColumn<QString>("expected");
    QTest::newRow("systemd") << QByteArray("/var/lib/drover") << QByteArray("/x")
                             << QStringLiteral("/var/lib/drover");
    QTest::newRow("systemd, several")
        << QByteArray("/var/lib/drover:/var/lib/other") << QByteArray() << QStringLiteral("/var/lib/drover");
    QTest::newRow("xdg") << QByteArray() << QByteArray("/home/u/.state")
                         << QStringLiteral("/home/u/.state/drover");
    QTest::newRow("xdg relative is ignored")
        << QByteArray() << QByteArray("rel") << QStringLiteral("/home/t/.local/state/drover");
    QTest::newRow("home") << QByteArray() << QByteArray() << QStringLiteral("/home/t/.local/state/drover");
}

void TestMemberConfig::defaultStateDir()
{
    QFETCH(QByteArray, stateDirectory);
    QFETCH(QByteArray, xdgStateHome);
    QFETCH(QString, expected);
    const QByteArray home = qgetenv("HOME");
    qputenv("HOME", "/home/t");
    stateDirectory.isEmpty() ? qunsetenv("STATE_DIRECTORY") : qputenv("STATE_DIRECTORY", stateDirectory);
    xdgStateHome.isEmpty() ? qunsetenv("XDG_STATE_HOME") : qputenv("XDG_STATE_HOME", xdgStateHome);
    const QString got = drover::config::defaultStateDir();
    qputenv("HOME", home);
    qunsetenv("STATE_DIRECTORY");
    qunsetenv("XDG_STATE_HOME");
    QCOMPARE(got, expected);
    QCOMPARE(stateDirOf(Config{}).isEmpty(), false);
}

void TestMemberConfig::errors_data()
{
    QTest::addColumn<QByteArray>("toml");
    QTest::addColumn<QString>("prefix"); // exact "file:line:col: key: "
    QTest::addColumn<QString>("detail");
    const auto row = [](const char *name, const char *toml, const char *prefix, const char *detail) {
        QTest::newRow(name) << QByteArray(toml) << QString::fromUtf8(prefix) << QString::fromUtf8(detail);
    };
#define A "[[application]]\nname = \"a\"\n[[application.member]]\n"
    row("no user", A "roles = [\"reader\"]\n",
        "t.toml:3:1: application[0].member[0].user: ", "required key is missing");
    row("no roles", A "user = \"alice\"\n",
        "t.toml:3:1: application[0].member[0].roles: ", "required key is missing");
    row("empty roles", A "user = \"alice\"\nroles = []\n",
        "t.toml:5:9: application[0].member[0].roles: ", "name at least one role");
    row("roles not an array", A "user = \"alice\"\nroles = \"reader\"\n",
        "t.toml:5:9: application[0].member[0].roles: ", "expected an array of roles");
    row("unknown role", A "user = \"alice\"\nroles = [\"reader\", \"owner\"]\n",
        "t.toml:5:20: application[0].member[0].roles[1]: ",
        "expected one of \"reader\", \"publisher\", \"admin\"");
    row("user with space", A "user = \"al ice\"\nroles = [\"reader\"]\n",
        "t.toml:4:8: application[0].member[0].user: ", "whitespace");
    row("empty user", A "user = \"\"\nroles = [\"reader\"]\n",
        "t.toml:4:8: application[0].member[0].user: ", "must not be empty");
    row("duplicate member",
        A "user = \"alice\"\nroles = [\"reader\"]\n[[application.member]]\nuser = \"alice\"\nroles = "
          "[\"admin\"]\n",
        "t.toml:7:8: application[0].member[1].user: ",
        "duplicate member \"alice\" in this application (first defined on line 4)");
    row("unknown member key", A "user = \"alice\"\nroles = [\"reader\"]\nrole = \"x\"\n",
        "t.toml:6:1: application[0].member[0].role: ", "unknown key; expected one of user, roles");
    row("member not a table array", "[[application]]\nname = \"a\"\nmember = 1\n",
        "t.toml:3:10: application[0].member: ", "expected an array of tables ([[application.member]])");
    row("state-dir relative", "state-dir = \"var/drover\"\n", "t.toml:1:13: state-dir: ", "an absolute path");
    row("state-dir empty", "state-dir = \"\"\n", "t.toml:1:13: state-dir: ", "must not be empty");
    row("state-dir not a string", "state-dir = 1\n", "t.toml:1:13: state-dir: ", "expected a string");
#undef A
}

void TestMemberConfig::errors()
{
    QFETCH(QByteArray, toml);
    QFETCH(QString, prefix);
    QFETCH(QString, detail);
    QString error;
    QVERIFY2(!ConfigLoader::parse(toml, QStringLiteral("t.toml"), &error), "a bad document was accepted");
    QCOMPARE(error.left(prefix.size()), prefix);
    QVERIFY2(error.mid(prefix.size()).contains(detail), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestMemberConfig)
#include "tst_memberconfig.moc"
