package localaws;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * s3://bucket/key (and s3a://, s3n://) served from the local folder {root}/bucket/key.
 *
 * The local Glue job engine fills that folder from the endpoint's S3 before a job run and
 * pushes what changed back afterwards, so Spark needs no S3 client (no hadoop-aws offline).
 * Paths handed back to Spark keep their s3:// form, so partition discovery, input_file_name()
 * and error messages look as they do on Glue. The raw local file system writes no .crc files.
 */
public class LocalS3FileSystem extends FileSystem {
    public static final String ROOT_KEY = "fs.local-s3.root";

    private URI uri;
    private String bucketRoot;
    private RawLocalFileSystem local;
    private Path workingDir;

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        String root = conf.get(ROOT_KEY);
        if (root == null || root.isEmpty()) {
            throw new IOException(ROOT_KEY + " is not set: the local Glue engine did not configure this Spark session");
        }
        String bucket = name.getAuthority();
        if (bucket == null || bucket.isEmpty()) {
            throw new IOException("S3 path without a bucket: " + name);
        }
        uri = URI.create(name.getScheme() + "://" + bucket);
        bucketRoot = new java.io.File(root, bucket).getAbsolutePath();
        local = new RawLocalFileSystem();
        local.initialize(URI.create("file:///"), conf);
        local.mkdirs(new Path(new java.io.File(bucketRoot).toURI()));
        workingDir = new Path(uri.toString() + "/");
    }

    @Override
    public String getScheme() {
        return uri.getScheme();
    }

    @Override
    public URI getUri() {
        return uri;
    }

    private Path toLocal(Path path) throws IOException {
        Path qualified = path.isAbsolute() ? path : new Path(workingDir, path);
        String key = qualified.toUri().getPath();
        try {
            return new Path(new URI("file", null, bucketRoot + (key.isEmpty() ? "/" : key), null));
        } catch (URISyntaxException e) {
            throw new IOException("cannot map " + path + " to a local file", e);
        }
    }

    private Path toS3(Path localPath) {
        String full = localPath.toUri().getPath();
        String key = full.length() > bucketRoot.length() ? full.substring(bucketRoot.length()) : "/";
        return new Path(uri.getScheme(), uri.getAuthority(), key);
    }

    private FileStatus toS3(FileStatus status) {
        return new FileStatus(status.getLen(), status.isDirectory(), 1, status.getBlockSize(),
                status.getModificationTime(), toS3(status.getPath()));
    }

    @Override
    public FSDataInputStream open(Path path, int bufferSize) throws IOException {
        return local.open(toLocal(path), bufferSize);
    }

    @Override
    public FSDataOutputStream create(Path path, FsPermission permission, boolean overwrite, int bufferSize,
            short replication, long blockSize, Progressable progress) throws IOException {
        Path target = toLocal(path);
        // A new file, never a rewrite in place: the engine hard-links unchanged objects into the
        // job's folder, and writing through a link would change the shared copy as well.
        if (overwrite && local.exists(target) && local.getFileStatus(target).isFile()) {
            local.delete(target, false);
        }
        return local.create(target, permission, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream createNonRecursive(Path path, FsPermission permission, boolean overwrite,
            int bufferSize, short replication, long blockSize, Progressable progress) throws IOException {
        return create(path, permission, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream append(Path path, int bufferSize, Progressable progress) throws IOException {
        throw new IOException("append is not supported on S3: " + path);
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        return local.rename(toLocal(src), toLocal(dst));
    }

    @Override
    public boolean delete(Path path, boolean recursive) throws IOException {
        return local.delete(toLocal(path), recursive);
    }

    @Override
    public FileStatus[] listStatus(Path path) throws FileNotFoundException, IOException {
        FileStatus[] found = local.listStatus(toLocal(path));
        FileStatus[] mapped = new FileStatus[found.length];
        for (int i = 0; i < found.length; i++) {
            mapped[i] = toS3(found[i]);
        }
        return mapped;
    }

    @Override
    public void setWorkingDirectory(Path dir) {
        workingDir = dir.isAbsolute() ? dir : new Path(workingDir, dir);
    }

    @Override
    public Path getWorkingDirectory() {
        return workingDir;
    }

    @Override
    public boolean mkdirs(Path path, FsPermission permission) throws IOException {
        return local.mkdirs(toLocal(path), permission);
    }

    @Override
    public FileStatus getFileStatus(Path path) throws IOException {
        return toS3(local.getFileStatus(toLocal(path)));
    }
}
