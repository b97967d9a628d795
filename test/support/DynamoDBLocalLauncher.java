// Starts AWS's DynamoDB Local on 127.0.0.1 only, on a port the system picks, for the tests (run by test/support/dynamodb-local.ts).
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class DynamoDBLocalLauncher {
  /** The line the test support waits for; the port follows it. */
  static final String READY = "DYNAMODB_LOCAL_LISTENING ";

  public static void main(String[] args) throws Exception {
    // Even with -disableTelemetry, DynamoDB Local builds a Pinpoint client (resolving an AWS host) and
    // writes dynamodb-local-metadata.json into the working folder; only this variable turns both off.
    if (!"0".equals(System.getenv("DDB_LOCAL_TELEMETRY"))) {
      System.err.println("Set DDB_LOCAL_TELEMETRY=0: without it DynamoDB Local calls AWS at start.");
      System.exit(2);
    }
    // DynamoDB Local has no bind-address option and rejects -port 0: it builds its Jetty server with the
    // port it was given, listening on every interface. Its connector is reached by reflection and set to
    // the loopback address and an ephemeral port before anything listens.
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    for (Connector connector : jetty.getConnectors()) {
      ServerConnector server = (ServerConnector) connector;
      server.setHost("127.0.0.1");
      server.setPort(0);
    }
    proxy.start();
    System.out.println(READY + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort());
    System.out.flush();
    // The parent holds stdin open while it wants the server: when it ends the pipe (or dies, even by
    // SIGKILL), the server goes too, so no test run leaves a Java process behind.
    while (System.in.read() != -1) {}
    proxy.stop();
    System.exit(0);
  }
}
