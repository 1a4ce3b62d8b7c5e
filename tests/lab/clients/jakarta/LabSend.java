// Client-lab driver: Jakarta Mail sends one message with mail.smtp.starttls.enable (STARTTLS
// if Jakarta Mail sees it, plaintext otherwise) and mail.smtp.ssl.trust=* (test certificate).
// Prints "LAB saw-starttls=yes|no" from SMTPTransport.supportsExtension after connecting.
// Usage: java -cp <jakarta-mail.jar>:<jakarta-activation.jar>:<dir> LabSend HOST PORT.

import com.sun.mail.smtp.SMTPTransport;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;

public class LabSend {
    public static void main(String[] args) {
        Properties p = new Properties();
        p.put("mail.smtp.host", args[0]);
        p.put("mail.smtp.port", args[1]);
        p.put("mail.smtp.localhost", "lab.test");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.connectiontimeout", "20000");
        p.put("mail.smtp.timeout", "20000");
        try {
            Session session = Session.getInstance(p);
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress("a@lab.test"));
            m.setRecipients(Message.RecipientType.TO, "b@mx.test");
            m.setSubject("lab");
            m.setText("client lab");
            SMTPTransport t = (SMTPTransport) session.getTransport("smtp");
            t.connect();
            // After an upgrade, the extensions are those of the EHLO inside TLS.
            System.out.println("LAB tls=" + (t.isSSL() ? "yes" : "no"));
            t.sendMessage(m, m.getAllRecipients());
            t.close();
            System.out.println("LAB sent");
        } catch (Exception e) {
            System.err.println("LAB error: " + e);
            System.exit(1);
        }
    }
}
