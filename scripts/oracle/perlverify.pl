#!/usr/bin/perl
# Judge signatures made by dkimctl with Perl Mail::DKIM (one process for the whole batch).
#
# Usage: perlverify.pl PORT LISTFILE RSA_PKCS1_PEM
# LISTFILE lines (tab-separated): SIGNED  ORIGINAL  MESSAGE  CANON  ALG  SELECTOR
#
#   rsa-sha256      Mail::DKIM::Verifier must pass SIGNED; keys come only from our dnsmasq on
#                   127.0.0.1:PORT.
#   ed25519-sha256  Mail::DKIM 1.20230212 cannot verify Ed25519, so this checks the part of the
#                   signature that does not depend on the key: the bh= that dkimctl wrote must
#                   equal the body hash Mail::DKIM computes for ORIGINAL under the same body
#                   canonicalization (it signs ORIGINAL with RSA_PKCS1_PEM and reads its bh=).
#
# Mail::DKIM expects CRLF line endings, so bare LF is turned into CRLF before feeding it (a lone
# CR is left alone).  Known quirk: with simple body canonicalization Mail::DKIM 1.20230212 does
# not add the CRLF that RFC 6376 3.4.3 requires when the body does not end in one; those cases
# are reported as SKIP.
# Prints one PASS/FAIL/SKIP line per file and a final "COUNT passed failed skipped" line.
use strict;
use warnings;
my $DOMAIN = $ENV{ORACLE_DOMAIN} // 'oracle.test';
use Net::DNS;
use Mail::DKIM::DNS;
use Mail::DKIM::PrivateKey;
use Mail::DKIM::Signer;
use Mail::DKIM::Verifier;

my ($port, $list, $keyfile) = @ARGV;
die "usage: perlverify.pl PORT LISTFILE RSA_PKCS1_PEM\n" unless defined $keyfile;

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
my $key = Mail::DKIM::PrivateKey->load(File => $keyfile);
$key->cork or die "cannot load RSA key $keyfile\n";

sub slurp {
    my ($path) = @_;
    local $/;
    open(my $fh, '<:raw', $path) or return undef;
    my $d = <$fh>;
    close $fh;
    return $d;
}

sub to_crlf {
    my ($d) = @_;
    $d =~ s/(?<!\r)\n/\r\n/g;
    return $d;
}

# body hash Mail::DKIM computes for $crlf (a whole message) under $canon
sub mdkim_bh {
    my ($crlf, $canon) = @_;
    my $s = Mail::DKIM::Signer->new(
        Algorithm => 'rsa-sha256',
        Method    => $canon,
        Domain    => $DOMAIN,
        Selector  => 'bh',
        Key       => $key,
    );
    $s->PRINT($crlf);
    $s->CLOSE;
    my $bh = $s->signature->body_hash;
    $bh =~ s/\s+//g;
    return $bh;
}

my ($npass, $nfail, $nskip) = (0, 0, 0);
open(my $lf, '<', $list) or die "cannot open $list: $!\n";
while (my $line = <$lf>) {
    chomp $line;
    next if $line eq '';
    my ($signed, $orig, $msg, $canon, $alg, $sel) = split /\t/, $line;
    my $is_ed = $alg eq 'ed25519-sha256';
    my $label = "$msg $canon $alg " . ($is_ed ? '[Mail::DKIM bh]' : '[Mail::DKIM]');
    my $data = slurp($signed);
    my $odata = slurp($orig);
    if (!defined $data || $data eq '' || !defined $odata) {
        print "FAIL $label: cannot read signed/original file or it is empty\n";
        $nfail++;
        next;
    }
    $data = to_crlf($data);
    my $ocrlf = to_crlf($odata);
    if ($canon =~ m{/simple$} && $ocrlf !~ /\n\z/ && $ocrlf =~ /\r\n\r\n./s) {
        print "SKIP $label: Mail::DKIM's simple body hash is non-RFC for a body without final CRLF\n";
        $nskip++;
        next;
    }
    my ($ok, $detail) = (0, '');
    eval {
        if ($is_ed) {
            my ($sigfield) = $data =~ /\A(?i:dkim-signature):((?:[^\r\n]*\r\n)(?:[ \t][^\r\n]*\r\n)*)/;
            die "no DKIM-Signature header at the top\n" unless defined $sigfield;
            my ($bh) = $sigfield =~ /(?:^|;)\s*bh\s*=\s*([^;]*)/;
            die "no bh= tag\n" unless defined $bh;
            $bh =~ s/\s+//g;
            my $want = mdkim_bh($ocrlf, $canon);
            $ok = $bh eq $want;
            $detail = $ok ? "dkimctl's bh= equals Mail::DKIM's body hash"
                          : "dkimctl bh=$bh, Mail::DKIM computes $want";
        } else {
            my $v = Mail::DKIM::Verifier->new();
            $v->PRINT($data);
            $v->CLOSE();
            my $result = $v->result // 'none';
            my $rd = $v->result_detail // '';
            my $sig = $v->signature;
            if ($result eq 'pass' && $sig) {
                my ($d, $s) = ($sig->domain // '', $sig->selector // '');
                if ($d eq $DOMAIN && $s eq $sel) {
                    $ok = 1;
                    $detail = "Mail::DKIM verifies dkimctl's signature";
                } else {
                    $detail = "passing signature is d=$d s=$s";
                }
            } else {
                $detail = "Mail::DKIM result=$result ($rd)";
            }
        }
        1;
    } or do {
        ($detail = "exception: $@") =~ s/\s+/ /g;
        $ok = 0;
    };
    if ($ok) {
        print "PASS $label: $detail\n";
        $npass++;
    } else {
        print "FAIL $label: $detail\n";
        $nfail++;
    }
}
close $lf;
print "COUNT $npass $nfail $nskip\n";
exit 0;
