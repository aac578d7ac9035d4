// PasswordHasher: libsodium Argon2id strings that verify, and everything that must not.
#include "config/config.h"
#include "registry/deviceregistry.h"
#include "registry/passwordhasher.h"

#include <QRegularExpression>
#include <QTest>

using namespace drover::registry;

class TestPasswordHasher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void roundTrip();
    void hashFormat();
    void saltedHashesDiffer();
    void wrongPasswords_data();
    void wrongPasswords();
    void malformedHashes_data();
    void malformedHashes();
    void argon2iStringsVerify();
    void binaryPassword();
    void dummyHashMatchesHashParameters();
    void wipe();
    void machineSecretsAreCheapToCheck();

private:
    QByteArray m_secretHash; // of "secret", made once: each hash costs ~0.1-0.2 s
};

void TestPasswordHasher::initTestCase()
{
    QVERIFY(PasswordHasher::initialize());
    QVERIFY(PasswordHasher::initialize()); // idempotent
    m_secretHash = PasswordHasher::hash(QByteArrayLiteral("secret"));
    QVERIFY(!m_secretHash.isEmpty());
}

void TestPasswordHasher::roundTrip()
{
    QVERIFY(PasswordHasher::verify(m_secretHash, QByteArrayLiteral("secret")));
    const QByteArray other = PasswordHasher::hash(QByteArrayLiteral("correct horse battery staple"));
    QVERIFY(PasswordHasher::verify(other, QByteArrayLiteral("correct horse battery staple")));
}

void TestPasswordHasher::hashFormat()
{
    // libsodium's string with the interactive limits: 2 passes over 64 MiB, one lane.
    static const QRegularExpression format(
        QStringLiteral("^\\$argon2id\\$v=19\\$m=65536,t=2,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}$"));
    QVERIFY2(format.match(QString::fromLatin1(m_secretHash)).hasMatch(), m_secretHash.constData());
    QVERIFY(!m_secretHash.contains("secret"));
    // What the configuration accepts as password-hash.
    QString error;
    QVERIFY2(drover::config::isValidPasswordHash(m_secretHash, &error), qPrintable(error));
}

void TestPasswordHasher::saltedHashesDiffer()
{
    const QByteArray again = PasswordHasher::hash(QByteArrayLiteral("secret"));
    QVERIFY(again != m_secretHash); // random salt
    QVERIFY(PasswordHasher::verify(again, QByteArrayLiteral("secret")));
}

void TestPasswordHasher::wrongPasswords_data()
{
    QTest::addColumn<QByteArray>("password");
    QTest::newRow("other") << QByteArrayLiteral("public");
    QTest::newRow("case") << QByteArrayLiteral("Secret");
    QTest::newRow("prefix") << QByteArrayLiteral("secre");
    QTest::newRow("longer") << QByteArrayLiteral("secret!");
    QTest::newRow("newline") << QByteArrayLiteral("secret\n");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("the hash itself") << QByteArray(); // filled in below
}

void TestPasswordHasher::wrongPasswords()
{
    QFETCH(QByteArray, password);
    if (QByteArray(QTest::currentDataTag()) == "the hash itself") {
        password = m_secretHash;
    }
    QVERIFY(!PasswordHasher::verify(m_secretHash, password));
}

void TestPasswordHasher::malformedHashes_data()
{
    QTest::addColumn<QByteArray>("hash");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("the password") << QByteArrayLiteral("secret");
    QTest::newRow("truncated") << QByteArray(); // from m_secretHash below
    QTest::newRow("bcrypt") << QByteArrayLiteral(
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW");
    QTest::newRow("argon2d") << QByteArrayLiteral(
        "$argon2d$v=19$m=65536,t=2,p=1$4mM1DZUC+npm8FS5JDLh+A$Eq1D1HIN15tGR7OpP4tLEr6wNwuqVWrrzhqRdeWc0x4");
    QTest::newRow("too long") << QByteArray("$argon2id$v=19$m=65536,t=2,p=1$") + QByteArray(200, 'A');
    QTest::newRow("embedded nul") << QByteArray(); // from m_secretHash below
}

void TestPasswordHasher::malformedHashes()
{
    QFETCH(QByteArray, hash);
    const QByteArray tag(QTest::currentDataTag());
    if (tag == "truncated") {
        hash = m_secretHash.left(m_secretHash.size() - 10);
    } else if (tag == "embedded nul") {
        hash = m_secretHash + '\0' + "x";
    }
    QVERIFY(!PasswordHasher::verify(hash, QByteArrayLiteral("secret")));
}

void TestPasswordHasher::argon2iStringsVerify()
{
    // Made with libsodium's crypto_pwhash_argon2i_str (opslimit 3, memlimit 32 MiB): the
    // older variant that configuration files may still carry.
    const QByteArray argon2i = QByteArrayLiteral(
        "$argon2i$v=19$m=32768,t=3,p=1$Lv/MYb56RXx4zy561DKnnA$wMjXQJurNmbLbEL/yKbWTw1R4/OksM3IXCtXpfzskU4");
    QString error;
    QVERIFY2(drover::config::isValidPasswordHash(argon2i, &error), qPrintable(error));
    QVERIFY(PasswordHasher::verify(argon2i, QByteArrayLiteral("legacy")));
    QVERIFY(!PasswordHasher::verify(argon2i, QByteArrayLiteral("Legacy")));
}

void TestPasswordHasher::binaryPassword()
{
    // MQTT passwords are binary data: every byte counts, NUL included.
    const QByteArray password("a\0b\xff", 4);
    const QByteArray hash = PasswordHasher::hash(password);
    QVERIFY(PasswordHasher::verify(hash, password));
    QVERIFY(!PasswordHasher::verify(hash, QByteArrayLiteral("a")));
    QVERIFY(!PasswordHasher::verify(hash, QByteArray("a\0b", 3)));
}

void TestPasswordHasher::dummyHashMatchesHashParameters()
{
    // Unknown devices are checked against the dummy hash so that they cost what a real
    // check costs: its parameters must stay those hash() uses.
    const QByteArray dummy = DeviceRegistry::dummyHash();
    const auto parameters = [](const QByteArray &hash) { return hash.left(hash.indexOf('$', 15)); };
    QCOMPARE(parameters(dummy), parameters(m_secretHash));
    QCOMPARE(parameters(dummy), QByteArrayLiteral("$argon2id$v=19$m=65536,t=2,p=1"));
    QVERIFY(drover::config::isValidPasswordHash(dummy, nullptr));
    QVERIFY(!PasswordHasher::verify(dummy, QByteArray()));
}

void TestPasswordHasher::wipe()
{
    QByteArray secret = QByteArrayLiteral("secret").toLower(); // owned, not literal data
    QByteArray shared = secret; // wiping one copy must not touch another's buffer
    PasswordHasher::wipe(secret);
    QVERIFY(secret.isEmpty());
    QCOMPARE(shared, QByteArrayLiteral("secret"));

    QByteArray empty;
    PasswordHasher::wipe(empty);
    QVERIFY(empty.isEmpty());
}

QTEST_APPLESS_MAIN(TestPasswordHasher)
void TestPasswordHasher::machineSecretsAreCheapToCheck()
{
    // Argon2id at its minimum cost: 8 KiB, one pass. The same verify() checks it.
    const QByteArray secret = QByteArray(32, '\x5a');
    const QByteArray hash = PasswordHasher::hashSecret(secret);
    QVERIFY(hash.startsWith("$argon2id$v=19$m=8,t=1,p=1$"));
    QVERIFY(PasswordHasher::verify(hash, secret));
    QVERIFY(!PasswordHasher::verify(hash, QByteArray(32, '\x5b')));
    QVERIFY(PasswordHasher::hashSecret(secret) != hash); // salted
}

#include "tst_passwordhasher.moc"
