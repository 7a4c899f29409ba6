#!/usr/bin/perl
# Verify the first DKIM signature of a delivered message with Perl Mail::DKIM, keys from our dnsmasq.
# Usage: verify.pl DNSPORT FILE
# Prints "pass d=... s=..." and exits 0, or prints the result and details and exits 1.
# (Mail::DKIM 1.20230212 cannot verify ed25519-sha256; callers only ask it about RSA signatures.)
use strict;
use warnings;
use Net::DNS;
use Mail::DKIM::DNS;
use Mail::DKIM::Verifier;

my ($port, $file) = @ARGV;
die "usage: verify.pl DNSPORT FILE\n" unless defined $file;
my $res = Net::DNS::Resolver->new(
    nameservers => ['127.0.0.1'],
    port        => $port,
    recurse     => 1,
    udp_timeout => 5,
    tcp_timeout => 5,
    retry       => 2,
);
$res->defnames(0);
$res->dnsrch(0);
Mail::DKIM::DNS::resolver($res);

open(my $fh, '<:raw', $file) or die "cannot open $file: $!\n";
my $data = do { local $/; <$fh> };
close $fh;
$data =~ s/(?<!\r)\n/\r\n/g;    # Maildir files use LF; Mail::DKIM wants CRLF

my $v = Mail::DKIM::Verifier->new();
$v->PRINT($data);
$v->CLOSE();
my $result = $v->result // 'none';
my $sig = $v->signature;
if ($result eq 'pass' && $sig) {
    printf "pass d=%s s=%s\n", $sig->domain // '', $sig->selector // '';
    exit 0;
}
my @each = map { ($_->result // 'none') . ' (' . ($_->result_detail // '') . ')' } $v->signatures;
printf "%s: %s; per signature: %s\n", $result, $v->result_detail // '', join(', ', @each);
exit 1;
