# Client-lab driver: Ruby net-smtp sends one message with enable_starttls_auto (STARTTLS if
# net-smtp sees it, plaintext otherwise); the test certificate is not verified.
# Usage: ruby net_smtp_send.rb HOST PORT.
require "net/smtp"
require "openssl"

MESSAGE = "From: a@lab.test\r\nTo: b@mx.test\r\nSubject: lab\r\n\r\nclient lab\r\n"

host, port = ARGV[0], Integer(ARGV[1])
ctx = OpenSSL::SSL::SSLContext.new
ctx.verify_mode = OpenSSL::SSL::VERIFY_NONE
smtp = Net::SMTP.new(host, port)
smtp.enable_starttls_auto(ctx)
smtp.open_timeout = 20
smtp.read_timeout = 20
begin
  smtp.start("lab.test") do |s|
    s.send_message(MESSAGE, "a@lab.test", "b@mx.test")
  end
  puts "LAB sent"
rescue StandardError => e
  warn "LAB error: #{e.class}: #{e.message}"
  exit 1
end
