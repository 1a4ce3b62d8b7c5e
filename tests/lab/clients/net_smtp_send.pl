# Client-lab driver: Perl Net::SMTP (libnet) sends one message, STARTTLS only if Net::SMTP's
# own supports('STARTTLS') reports it (TLS through IO::Socket::SSL); the test certificate is
# not verified. Prints "LAB saw-starttls=yes|no". Usage: perl net_smtp_send.pl HOST PORT.
use strict;
use warnings;
use Net::SMTP;

my ($host, $port) = @ARGV;
my $message = "From: a\@lab.test\r\nTo: b\@mx.test\r\nSubject: lab\r\n\r\nclient lab\r\n";
my $smtp = Net::SMTP->new($host, Port => $port, Hello => 'lab.test', Timeout => 20)
  or die "LAB error: connect: $@\n";
my $saw = defined $smtp->supports('STARTTLS') ? 1 : 0;
print "LAB saw-starttls=", ($saw ? "yes" : "no"), "\n";
if ($saw) {
    $smtp->starttls(SSL_verify_mode => 0)
      or die "LAB error: starttls: " . ($smtp->message // '') . " $@\n";
}
$smtp->mail('a@lab.test') or die "LAB error: MAIL: " . $smtp->message . "\n";
$smtp->to('b@mx.test') or die "LAB error: RCPT: " . $smtp->message . "\n";
$smtp->data() or die "LAB error: DATA: " . $smtp->message . "\n";
$smtp->datasend($message);
$smtp->dataend() or die "LAB error: end of data: " . $smtp->message . "\n";
$smtp->quit;
print "LAB sent\n";
